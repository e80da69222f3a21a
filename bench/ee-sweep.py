#!/usr/bin/python3
"""`zonalflow stats` (the CLI) side by side with ogr2ogr + exactextract over every statistic and option
both tools name alike, on the bench fields, the example data and rasters made here with GDAL.

Run (Debian's python3 for GDAL; exactextract from ../shared/tools; a few minutes, mostly the 20k case):
    /usr/bin/python3 bench/ee-sweep.py [--exactextract=PATH] [--only=NAME,...] [--skip-bench] [--remake] [--zonalflow=CLI] [--save]
Prints one line per case x statistic (values compared, mismatches, documented differences) and writes
the table to bench/.cache/results/ee-sweep.json (ignored by git), with --save also to the tracked
bench/results/ee-sweep.json (as `npm run bench -- NAME --save`). Exit 1 when any value mismatches.

Each case: exactextract gets the features reprojected vertex-wise into the raster's CRS by ogr2ogr (it
does not reproject), `-s "<stat>(r[,w][,options])"` per statistic and `--nested-output` GeoJSON (full
double precision); zonalflow gets the original features, `--raster r=PATH`, the plain statistic names
and the options as flags (`--min-coverage-frac`...), and writes CSV, as a user runs it.
Comparison: the bench's rule (bench/vs-exactextract.bench.ts): |a - b| <= 1e-6 * max(1, |b|), both
undefined (empty / NaN / null) equal. frac / weighted_frac are matched per value (exactextract's
`unique` order); the per-cell lists element by element. A value exactextract casts to the raster's
type (min, max, quantiles, mode, majority, minority, unique: README "exactextract's CLI casts ...")
that equals zonalflow's value cast the same way is counted as `documented`, not as a mismatch; so are
exactextract's min/max_center_* left at 0 when the extreme is the type's limit, and every value of a feature
for which exactextract counted a scaled raster's nodata (README, Accuracy: "Where exactextract is the odd one out").
"""
import csv
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions() if hasattr(osr, 'UseExceptions') else None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARGS = dict(a[2:].split('=', 1) if '=' in a else (a[2:], '1') for a in sys.argv[1:] if a.startswith('--'))
EE = ARGS.get('exactextract') or os.environ.get('EXACTEXTRACT') or os.path.join(ROOT, '..', 'shared', 'tools', 'exactextract')
ONLY = set(ARGS['only'].split(',')) if 'only' in ARGS else None
WORK = '/tmp/ee-sweep'
# the CLI under test: this checkout's, or another's (--zonalflow=PATH/bin/zonalflow.mjs, e.g. to sweep the code before a change)
ZF = [shutil.which('node') or 'node', ARGS.get('zonalflow') or os.path.join(ROOT, 'bin', 'zonalflow.mjs'), 'stats']

BASIC = ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'variance', 'coefficient_of_variation']
CAT = ['majority', 'minority', 'variety', 'mode', 'unique', 'frac']
QUANT = ['median', 'quantile(q=0)', 'quantile(q=0.1)', 'quantile(q=0.25)', 'quantile(q=0.75)', 'quantile(q=0.9)', 'quantile(q=1)']
CENTERS = ['min_center_x', 'max_center_x', 'min_center_y', 'max_center_y']
LISTS = ['values', 'coverage', 'cell_id', 'center_x', 'center_y']
WEIGHTED = ['weighted_mean', 'weighted_sum', 'weighted_stdev', 'weighted_variance', 'weighted_frac', 'weights']
LIMITS = {'Byte': (0, 255), 'UInt16': (0, 65535), 'Int16': (-32768, 32767), 'UInt32': (0, 2**32 - 1), 'Int32': (-2**31, 2**31 - 1)}
CAST = {'min', 'max', 'mode', 'majority', 'minority', 'unique', 'median', 'values'}


def log(*a):
    print(*a, flush=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode not in (0, 3):
        raise RuntimeError(f"{' '.join(cmd)} -> {r.returncode}\n{r.stderr[-3000:]}")
    return r


# ---------------------------------------------------------------- data made with GDAL
UTM = 32631
X0, Y0, RES, W, H = 500000.0, 5000000.0, 10.0, 400, 300   # 4 km x 3 km, 10 m cells


def srs(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def make_raster(path, dtype, arr, nodata=None, scale=None, offset=None, epsg=UTM, gt=None):
    drv = gdal.GetDriverByName('GTiff')
    ds = drv.Create(path, arr.shape[1], arr.shape[0], 1, dtype, ['TILED=YES', 'COMPRESS=DEFLATE'])
    ds.SetGeoTransform(gt or (X0, RES, 0, Y0, 0, -RES))
    ds.SetProjection(srs(epsg).ExportToWkt())
    b = ds.GetRasterBand(1)
    if nodata is not None:
        b.SetNoDataValue(nodata)
    if scale is not None:
        b.SetScale(scale)
        b.SetOffset(offset)
    b.WriteArray(arr)
    ds = None


def make_rasters():
    rng = np.random.default_rng(17)
    yy, xx = np.mgrid[0:H, 0:W]
    base = np.sin(xx / 23.0) * 40 + np.cos(yy / 17.0) * 30 + rng.normal(0, 5, (H, W))
    f32 = base.astype(np.float32)
    f32[rng.random((H, W)) < 0.03] = -9999
    f32[rng.random((H, W)) < 0.02] = np.nan
    f32[100:120, 150:190] = -9999
    make_raster(f'{WORK}/f32.tif', gdal.GDT_Float32, f32, nodata=-9999)
    make_raster(f'{WORK}/f32_nonodata.tif', gdal.GDT_Float32, np.where(f32 == -9999, 3.5, f32).astype(np.float32))
    byte = ((xx // 13 + yy // 11 * 3) % 9).astype(np.uint8)
    byte[rng.random((H, W)) < 0.02] = 255
    make_raster(f'{WORK}/byte.tif', gdal.GDT_Byte, byte, nodata=255)
    # a copy with nodata 3 instead (for --nodata 3 vs -a_nodata 3) and with none
    gdal.Translate(f'{WORK}/byte_nd3.tif', f'{WORK}/byte.tif', noData=3)
    gdal.Translate(f'{WORK}/byte_ndnone.tif', f'{WORK}/byte.tif', noData='none')
    i16 = np.round(base * 3 - 60).astype(np.int16)
    i16[rng.random((H, W)) < 0.02] = -32768
    make_raster(f'{WORK}/i16.tif', gdal.GDT_Int16, i16, nodata=-32768)
    make_raster(f'{WORK}/i16_scaled.tif', gdal.GDT_Int16, i16, nodata=-32768, scale=0.25, offset=-7.5)
    f64 = (base * 1.000001 + 1e3).astype(np.float64)
    make_raster(f'{WORK}/f64.tif', gdal.GDT_Float64, f64)
    f64n = f64.copy()
    f64n[rng.random((H, W)) < 0.03] = np.nan
    make_raster(f'{WORK}/f64_nannodata.tif', gdal.GDT_Float64, f64n, nodata=float('nan'))
    make_raster(f'{WORK}/f32_scaled.tif', gdal.GDT_Float32, f32, nodata=-9999, scale=0.5, offset=100)
    u32 = (np.abs(base) * 1e6).astype(np.uint32)
    u32[rng.random((H, W)) < 0.02] = 4294967295
    make_raster(f'{WORK}/u32.tif', gdal.GDT_UInt32, u32, nodata=4294967295)
    i32 = (base * 1e5).astype(np.int32)
    make_raster(f'{WORK}/i32.tif', gdal.GDT_Int32, i32, nodata=-2147483648)
    w = (1 + (xx * 7 + yy * 3) % 11).astype(np.float32)
    w[rng.random((H, W)) < 0.01] = -1
    make_raster(f'{WORK}/weights.tif', gdal.GDT_Float32, w, nodata=-1)
    # weights on a 2x coarser grid, same origin (compatible)
    wc = (1 + (np.mgrid[0:H // 2, 0:W // 2][1] * 5 + np.mgrid[0:H // 2, 0:W // 2][0]) % 13).astype(np.float32)
    make_raster(f'{WORK}/weights_coarse.tif', gdal.GDT_Float32, wc, gt=(X0, RES * 2, 0, Y0, 0, -RES * 2))
    # ties: a raster of 4 classes in 2x2 blocks, fields over whole blocks tie
    tie = ((xx // 2) % 2 + ((yy // 2) % 2) * 2).astype(np.int16)
    make_raster(f'{WORK}/ties.tif', gdal.GDT_Int16, tie)


def ring_utm(cx, cy, r, n, rng, jitter=0.35, ajit=0.2):
    pts = []
    for k in range(n):
        a = 2 * math.pi * k / n + rng.uniform(-ajit, ajit)
        rr = r * (1 + rng.uniform(-jitter, jitter))
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    pts.append(pts[0])
    return pts


def wkt_poly(rings):
    return 'POLYGON(' + ','.join('(' + ','.join(f'{x!r} {y!r}' for x, y in r) + ')' for r in rings) + ')'


def make_features():
    """Polygons in UTM (raster's CRS): plain, holed, multipolygons, partly and wholly outside; written in
    EPSG:4326 (the bench's case), EPSG:3857 and EPSG:2154 (projected to projected) and EPSG:32631."""
    rng = random.Random(5)
    geoms = []
    for i in range(160):
        cx, cy = X0 + rng.uniform(100, W * RES - 100), Y0 - rng.uniform(100, H * RES - 100)
        r = rng.uniform(8, 160)
        kind = i % 8
        if kind == 0:     # hole
            geoms.append(wkt_poly([ring_utm(cx, cy, r, 12, rng, 0.1), list(reversed(ring_utm(cx, cy, r * 0.4, 7, rng, 0.1)))]))
        elif kind == 1:   # multipolygon of 2-3 disjoint parts
            parts = [wkt_poly([ring_utm(cx + dx, cy, r * 0.4, 6, rng, 0.1)])[7:] for dx in (-r, 0.2 * r, 1.4 * r)[: rng.choice([2, 3])]]
            geoms.append('MULTIPOLYGON(' + ','.join(parts) + ')')
        elif kind == 2:   # partly outside (crosses the west or north edge)
            geoms.append(wkt_poly([ring_utm(X0 + rng.uniform(-60, 60), cy, r + 40, 9, rng)]))
        elif kind == 3 and i % 16 == 3:  # wholly outside
            geoms.append(wkt_poly([ring_utm(X0 - 500 - r, cy, r, 8, rng)]))
        elif kind == 4:   # tiny: smaller than a cell
            geoms.append(wkt_poly([ring_utm(cx, cy, rng.uniform(0.5, 6), 5, rng)]))
        else:
            geoms.append(wkt_poly([ring_utm(cx, cy, r, rng.randint(4, 20), rng)]))
    for epsg in (UTM, 4326, 3857, 2154):
        write_layer(f'{WORK}/polys_{epsg}.gpkg', geoms, UTM, epsg)
    # cell-aligned squares (edges on cell edges in UTM): README "Rounding slivers" once reprojected
    geoms = []
    for k in range(10):
        x, y = X0 + 200 + 130 * k, Y0 - 300 - 70 * k
        s = 20 * (k + 1)
        geoms.append(wkt_poly([[(x, y), (x + s, y), (x + s, y - s), (x, y - s), (x, y)]]))
    for epsg in (UTM, 4326, 2154):
        write_layer(f'{WORK}/aligned_{epsg}.gpkg', geoms, UTM, epsg)
    # lines (exactextract weighs cells by length)
    lines = []
    for i in range(30):
        cx, cy = X0 + rng.uniform(100, W * RES - 100), Y0 - rng.uniform(100, H * RES - 100)
        pts = [(cx + rng.uniform(-300, 300), cy + rng.uniform(-300, 300)) for _ in range(rng.randint(2, 6))]
        lines.append('LINESTRING(' + ','.join(f'{x!r} {y!r}' for x, y in pts) + ')')
    write_layer(f'{WORK}/lines_{UTM}.gpkg', lines, UTM, UTM, ogr.wkbLineString)
    # ties: squares over whole 2x2 blocks of ties.tif (4 classes x equal coverage)
    ties = []
    for k in range(12):
        x, y = X0 + 40 * k, Y0 - 40 * k
        s = 40 if k % 2 == 0 else 20
        ties.append(wkt_poly([[(x, y), (x + s, y), (x + s, y - s), (x, y - s), (x, y)]]))
        ties.append(wkt_poly([[(x + 5, y - 5), (x + 5 + s, y - 5), (x + 5 + s, y - 5 - s), (x + 5, y - 5 - s), (x + 5, y - 5)]]))
    write_layer(f'{WORK}/ties_{UTM}.gpkg', ties, UTM, UTM)
    # large polygons with holes and parts over the bench raster (S2-like 10 m grid): windows cut in chunks
    big = []
    for k in range(6):
        cx, cy = 420000 + 14000 * k, 4990000 - 15000 * k
        shell = ring_utm(cx, cy, 9000, 40, rng, 0.08, 0.05)
        holes = [list(reversed(ring_utm(cx + dx, cy + dy, 1500, 15, rng, 0.2, 0.1))) for dx, dy in ((-4000, 0), (2500, 3000), (1000, -4200))]
        if k % 2 == 0:
            big.append(wkt_poly([shell] + holes))
        else:
            part2 = ring_utm(cx + 15000, cy, 3000, 25, rng, 0.2, 0.05)
            big.append('MULTIPOLYGON((' + wkt_poly([shell] + holes)[8:-1] + '),(' + wkt_poly([part2])[8:-1] + '))')
    write_layer(f'{WORK}/big_{UTM}.gpkg', big, UTM, UTM)
    write_layer(f'{WORK}/big_4326.gpkg', big, UTM, 4326)


def write_layer(path, wkts, src_epsg, dst_epsg, gtype=ogr.wkbUnknown):
    if os.path.exists(path):
        os.remove(path)
    ds = ogr.GetDriverByName('GPKG').CreateDataSource(path)
    lyr = ds.CreateLayer('f', srs(dst_epsg), gtype)
    lyr.CreateField(ogr.FieldDefn('id', ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn('name', ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn('area', ogr.OFTReal))
    ct = osr.CoordinateTransformation(srs(src_epsg), srs(dst_epsg)) if src_epsg != dst_epsg else None
    for i, w in enumerate(wkts):
        g = ogr.CreateGeometryFromWkt(w)
        area = g.GetArea()
        if ct:
            g.Transform(ct)
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField('id', f'P{i:04d}')
        f.SetField('name', f'feature {i}, "quoted"' if i % 7 == 0 else f'f{i}')
        f.SetField('area', area)
        f.SetGeometry(g)
        lyr.CreateFeature(f)
    ds = None


# ---------------------------------------------------------------- running both sides
def raster_epsg(path):
    s = osr.SpatialReference(wkt=gdal.Open(path).GetProjection())
    return s


def to_raster_crs(features, raster, layer=None):
    out = os.path.join(WORK, 'ee_' + os.path.basename(features).replace('.gpkg', '') + '_' + os.path.basename(raster).replace('.tif', '') + '.gpkg')
    if not os.path.exists(out):
        rds = gdal.Open(raster)
        wkt = rds.GetProjection()
        with open(out + '.wkt', 'w') as fh:
            fh.write(wkt)
        run(['ogr2ogr', '-t_srs', out + '.wkt', out, features] + ([layer] if layer else []))
    return out


def ee_stat(stat, w, opts, named=True):
    name, _, args = stat.partition('(')
    args = args.rstrip(')')
    if not named:  # a multi-band raster: exactextract names the columns band_<b>_<stat>
        parts = ([args] if args else []) + [f'{k}={v}' for k, v in opts.items()]
        return f"{name}({','.join(parts)})" if parts else name
    parts = ['r'] + (['w'] if w and name.startswith('weighted') or (w and name == 'weights') else []) + ([args] if args else [])
    parts += [f'{k}={v}' for k, v in opts.items()]
    return f"{name}({','.join(parts)})"


def colname(stat):
    name, _, args = stat.partition('(')
    if name == 'quantile':
        q = float(args.split('=')[1].rstrip(')'))
        return f'quantile_{int(100 * q)}'
    return name


def run_case(case):
    c = case
    work = os.path.join(WORK, c['name'])
    os.makedirs(work, exist_ok=True)
    ee_feats = c.get('ee_features') or to_raster_crs(c['features'], c['raster'], c.get('layer'))
    w = c.get('weights')
    stats = c['stats']
    ee_out = os.path.join(work, 'ee.geojson')
    bands = c.get('bands', 0)
    named = bands == 0
    cmd = [EE, '-r', ('r:' if named else '') + (c['ee_raster'] if 'ee_raster' in c else c['raster']), '-p', ee_feats, '-f', c.get('id', 'id'), '--nested-output', '-o', ee_out]
    if w:
        cmd += ['-w', f'w:{w}']
    for s in stats:
        cmd += ['-s', ee_stat(s, w, c.get('ee_opts', {}), named)]
    if any(s in ('frac', 'weighted_frac') for s in stats) and 'unique' not in stats:
        cmd += ['-s', ee_stat('unique', w, c.get('ee_opts', {}), named)]
    cmd += c.get('ee_args', [])
    if os.path.exists(ee_out):
        os.remove(ee_out)
    t = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return {'case': c['name'], 'error': f'exactextract {r.returncode}: {r.stderr.strip()[-400:]}', 'ee_cmd': ' '.join(cmd)}
    t_ee = time.time() - t
    zf_out = os.path.join(work, 'zf.csv')
    zcmd = ZF + ['--input', c['features'], '--raster', f"r={c['raster']}", '--id-column', c.get('id', 'id'), '--stats', ','.join(stats), '--out', zf_out, '--quiet'] + c.get('zf_args', [])
    if c.get('layer'):
        zcmd += ['--layer', c['layer']]
    if w:
        zcmd += ['--weights', w]
    t = time.time()
    r = subprocess.run(zcmd, capture_output=True, text=True)
    t_zf = time.time() - t
    if r.returncode not in (0, 3):
        return {'case': c['name'], 'error': f'zonalflow {r.returncode}: {r.stderr.strip()[-400:]}', 'zf_cmd': ' '.join(zcmd)}
    res = compare(c, zf_out, ee_out)
    res.update({'case': c['name'], 'zf_s': round(t_zf, 2), 'ee_s': round(t_ee, 2), 'ee_cmd': ' '.join(cmd), 'zf_cmd': ' '.join(zcmd)})
    if r.stderr.strip():
        res['zf_stderr'] = r.stderr.strip().splitlines()[:3]
    return res


def num(v):
    if v is None or v == '':
        return math.nan
    if isinstance(v, str) and 'nan' in v.lower():
        return math.nan
    return float(v)


def same(a, b):
    a, b = num(a), num(b)
    if math.isnan(a) and math.isnan(b):
        return True
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def cast(v, dtype):
    v = num(v)
    if math.isnan(v) or dtype is None:
        return v
    if dtype == 'Float32':
        return float(np.float32(v))
    if dtype == 'Float64':
        return v
    return float(math.trunc(v))


def idkey(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def compare(c, zf_csv, ee_json):
    with open(zf_csv, newline='') as fh:
        zrows = list(csv.DictReader(fh))
    ee = json.load(open(ee_json))
    idc = c.get('id', 'id')
    erows = {idkey(f['properties'][idc]): f['properties'] for f in ee['features']}
    rds = gdal.Open(c['raster'])
    band = rds.GetRasterBand(1)
    dtype = gdal.GetDataTypeName(band.DataType)
    scaled_nodata = None
    if band.GetScale() not in (None, 1.0) or band.GetOffset() not in (None, 0.0):
        dtype = 'Float64'  # exactextract reads scaled values as doubles
        if band.GetNoDataValue() is not None:
            scaled_nodata = band.GetNoDataValue() * (band.GetScale() or 1.0) + (band.GetOffset() or 0.0)
    per = {}
    first = []

    odd = False

    def note(stat, ok, doc, msg):
        doc = doc or odd
        p = per.setdefault(stat, {'values': 0, 'mismatches': 0, 'documented': 0})
        p['values'] += 1
        if not ok and doc:
            p['documented'] += 1
        elif not ok:
            p['mismatches'] += 1
            if sum(1 for f in first if f.startswith(stat + ' ')) < 4:
                first.append(f'{stat} {msg}')

    rowdiff = []
    if len(zrows) != len(erows):
        rowdiff.append(f'rows: zonalflow {len(zrows)}, exactextract {len(erows)}')
    for zr in zrows:
        fid = zr['id']
        e = erows.get(fid)
        if e is None:
            rowdiff.append(f'{fid} not in exactextract output')
            continue
        for col in c.get('include', []):
            note(f'include:{col}', str(zr.get(col)) == str(e.get(col)) or same(zr.get(col), e.get(col)), False, f'{fid}: zf {zr.get(col)!r} ee {e.get(col)!r}')
        # exactextract 0.3.1 counts the nodata cells of a scaled raster, as the scaled nodata value, under geometries
        # one cell high or wide (README: differences): every value of such a feature is documented
        odd = scaled_nodata is not None and any(scaled_nodata in (v if isinstance(v, list) else [v]) for k, v in e.items() if k.endswith(('_min', '_max', '_values', '_unique')))
        prefixes = [('r_', 'r_')] if not c.get('bands') else [(f'band_{b}_', f'r_b{b}_') for b in range(1, c['bands'] + 1)]
        for (ep, zp), s in ((p, s) for p in prefixes for s in c['stats']):
            cn = colname(s)
            ev = e.get(f'{ep}{cn}')
            if s in ('frac', 'weighted_frac'):
                uniq = e.get(f'{ep}unique') or []
                evs = ev or []
                zvals = {float(k[len(f'{zp}{cn}_'):]): v for k, v in zr.items() if k.startswith(f'{zp}{cn}_') and v != ''}
                emap = {float(u): f for u, f in zip(uniq, evs)}
                keys = set(zvals) | set(emap)
                for k in keys:
                    # a value one side lists and the other not is a mismatch; empty and NaN are both undefined
                    ok = k in emap and same(zvals.get(k), emap[k]) if k in emap else False
                    note(s, ok, False, f'{fid} value {k}: zf {zvals.get(k)} ee {emap.get(k)}')
                continue
            zv = zr.get(f'{zp}{cn}')
            if zv is None:
                note(s, False, False, f'column {zp}{cn} missing in zonalflow output')
                continue
            if s in LISTS or s in ('unique', 'weights'):
                zl = json.loads(zv) if zv else []
                el = ev or []
                if s == 'unique':
                    zl, el = sorted(zl, key=num), sorted(el, key=num)
                if len(zl) != len(el):
                    note(s, False, False, f'{fid}: {len(zl)} items, exactextract {len(el)}')
                    continue
                for a, b in zip(zl, el):
                    ok = same(a, b)
                    doc = not ok and s in CAST and same(cast(a, dtype), b)
                    note(s, ok, doc, f'{fid}: zf {a} ee {b}')
                continue
            ok = same(zv, ev)
            doc = not ok and (colname(s) in CAST or s.startswith('quantile')) and same(cast(zv, dtype), ev)
            if not ok and s in CENTERS and num(ev) == 0 and dtype in LIMITS:
                # exactextract keeps the first cell with val < m_min (val > m_max), m_min starting at the type's max
                # (m_max at its lowest): a feature whose min is the type's max (max its lowest, e.g. all 0 in Byte)
                # never sets the position, printed as 0 (README: differences)
                lo, hi = LIMITS[dtype]
                doc = num(zr.get(f"{zp}{'max' if s.startswith('max') else 'min'}")) == (lo if s.startswith('max') else hi)
            note(s, ok, doc, f'{fid}: zf {zv!r} ee {ev!r}')
    return {'per_stat': per, 'first_mismatches': rowdiff[:5] + first, 'row_problems': len(rowdiff), 'features': len(zrows)}


# ---------------------------------------------------------------- the cases
def cases():
    out = []
    bench_raster = os.path.join(ROOT, 'bench', '.cache', 's2_like_10980_v2.tif')
    bench_fields = os.path.join(ROOT, 'bench', '.cache', 'fields_100000.gpkg')
    if 'skip-bench' not in ARGS and os.path.exists(bench_fields):
        sub = os.path.join(WORK, 'fields_20000.gpkg')
        if not os.path.exists(sub):
            run(['ogr2ogr', '-nln', 'fields', '-sql', 'SELECT * FROM fields WHERE fid <= 20000', sub, bench_fields])
        for epsg in (UTM, 4326):
            out.append(dict(name=f'big_holes_{epsg}', raster=bench_raster, features=f'{WORK}/big_{epsg}.gpkg', stats=BASIC + ['majority', 'minority', 'variety', 'median', 'quantile(q=0.1)'] + CENTERS))
        out.append(dict(name='bench20k_basic', raster=bench_raster, features=sub, id='field_id', stats=BASIC))
        out.append(dict(name='bench20k_cat_quant', raster=bench_raster, features=sub, id='field_id', stats=['majority', 'minority', 'variety', 'mode', 'median', 'quantile(q=0.1)', 'quantile(q=0.9)'] + CENTERS))
    ref = os.path.join(ROOT, 'test', 'fixtures', 'reference', 'data')
    out.append(dict(name='l7_bands_all', raster=f'{ref}/l7/L7_ETMs.cog.tif', features=f'{ref}/l7/l7_fields_4326.gpkg', id='field_id', bands=6, stats=BASIC + CAT + QUANT + CENTERS))
    rs = f'{ref}/rasterstats'
    for r in ('slope', 'slope_nodata', 'slope_classes', 'dataset_mask', 'all_nodata'):
        for v in ('polygons', 'multipolygons', 'polygons_partial_overlap', 'lines', 'multilines'):
            if r in ('slope_classes', 'dataset_mask', 'all_nodata') and v not in ('polygons', 'multipolygons'):
                continue
            feats = f'{rs}/{v}.gpkg'
            if v == 'polygons_partial_overlap':  # its ids repeat: compare by a unique id made from the fid
                feats = os.path.join(WORK, 'partial_overlap_uid.gpkg')
                if not os.path.exists(feats):
                    run(['ogr2ogr', '-nln', 'p', '-sql', f"SELECT 'F' || fid AS uid, * FROM {v}", feats, f'{rs}/{v}.gpkg'])
            out.append(dict(name=f'rs_{r}__{v}', raster=f'{rs}/{r}.cog.tif', features=feats, id='uid' if 'partial' in v else 'id', stats=BASIC + CAT + QUANT + CENTERS))
    pairs = json.load(open(os.path.join(ROOT, 'test', 'fixtures', 'reference', 'expected', 'ee_cases_pairs.json')))
    for name, raster, vec, idc, _ in pairs:
        out.append(dict(name=name, raster=os.path.join(ROOT, 'test', 'fixtures', 'reference', raster), features=os.path.join(ROOT, 'test', 'fixtures', 'reference', vec), id=idc, stats=BASIC + CAT + QUANT + CENTERS + LISTS))
    ex = os.path.join(ROOT, 'examples')
    lw = os.path.join(ROOT, 'test', 'fixtures', 'exactextract-ops', 'lux_weights.tif')
    out.append(dict(name='lux_2169_all', raster=f'{ex}/elev.cog.tif', features=f'{ex}/lux_cantons_2169.gpkg', id='ID_2', stats=BASIC + CAT + QUANT + CENTERS))
    out.append(dict(name='lux_2169_lists_w', raster=f'{ex}/elev.cog.tif', features=f'{ex}/lux_cantons_2169.gpkg', id='ID_2', weights=lw, stats=LISTS + WEIGHTED))
    out.append(dict(name='lux_2169_areas', raster=f'{ex}/elev.cog.tif', features=f'{ex}/lux_cantons_2169.gpkg', id='ID_2', stats=['count', 'sum', 'mean', 'stdev', 'frac'], ee_opts={'coverage_weight': 'area_spherical_m2'}, zf_args=['--coverage-weight', 'area_spherical_m2']))
    out.append(dict(name='lux_2169_include', raster=f'{ex}/elev.cog.tif', features=f'{ex}/lux_cantons_2169.gpkg', id='ID_2', stats=['count', 'mean'], include=['NAME_2', 'NAME_1'], ee_args=['--include-col', 'NAME_2', '--include-col', 'NAME_1'], zf_args=['--include-cols', 'NAME_2,NAME_1']))
    W_ = WORK
    for r in ('f32', 'byte', 'i16', 'i16_scaled', 'f64', 'f64_nannodata', 'f32_scaled', 'u32', 'i32'):
        for epsg in (4326, 2154):
            out.append(dict(name=f'{r}_{epsg}_all', raster=f'{W_}/{r}.tif', features=f'{W_}/polys_{epsg}.gpkg', stats=BASIC + CAT + QUANT + CENTERS))
        out.append(dict(name=f'{r}_32631_lists_w', raster=f'{W_}/{r}.tif', features=f'{W_}/polys_32631.gpkg', weights=f'{W_}/weights.tif', stats=LISTS + WEIGHTED + ['count', 'mean']))
    for epsg in (UTM, 4326, 2154):
        out.append(dict(name=f'aligned_f32_{epsg}', raster=f'{W_}/f32.tif', features=f'{W_}/aligned_{epsg}.gpkg', stats=BASIC + CAT + QUANT + CENTERS + ['coverage']))
        out.append(dict(name=f'aligned_f32_{epsg}_none', raster=f'{W_}/f32.tif', features=f'{W_}/aligned_{epsg}.gpkg', stats=['count', 'sum', 'mean'], ee_opts={'coverage_weight': 'none'}, zf_args=['--coverage-weight', 'none']))
    for fmt, ext in (('GeoJSON', 'geojson'), ('ESRI Shapefile', 'shp'), ('FlatGeobuf', 'fgb')):
        src = f'{W_}/polys_4326.{ext}'
        if not os.path.exists(src):
            run(['ogr2ogr', '-f', fmt, src, f'{W_}/polys_4326.gpkg'] + (['-lco', 'COORDINATE_PRECISION=17'] if ext == 'geojson' else []))
        out.append(dict(name=f'format_{ext}', raster=f'{W_}/f32.tif', features=src, stats=BASIC + QUANT + ['majority', 'minority', 'variety']))
    out.append(dict(name='f32_3857_all', raster=f'{W_}/f32.tif', features=f'{W_}/polys_3857.gpkg', stats=BASIC + QUANT))
    out.append(dict(name='f32_nonodata_4326', raster=f'{W_}/f32_nonodata.tif', features=f'{W_}/polys_4326.gpkg', stats=BASIC + QUANT + ['majority', 'minority', 'variety']))
    # options
    f32, byte = f'{W_}/f32.tif', f'{W_}/byte.tif'
    P = f'{W_}/polys_4326.gpkg'
    for mcf in ('0.5', '0.999'):
        out.append(dict(name=f'opt_mincov{mcf}', raster=f32, features=P, stats=BASIC + QUANT + ['majority', 'minority', 'variety'], ee_opts={'min_coverage_frac': mcf}, zf_args=['--min-coverage-frac', mcf]))
        out.append(dict(name=f'opt_mincov{mcf}_byte_w', raster=byte, features=P, weights=f'{W_}/weights.tif', stats=['count', 'frac', 'weighted_frac', 'weighted_mean', 'values', 'coverage'], ee_opts={'min_coverage_frac': mcf}, zf_args=['--min-coverage-frac', mcf]))
    for cw in ('none', 'area_cartesian'):
        out.append(dict(name=f'opt_cw_{cw}', raster=f32, features=P, stats=BASIC + QUANT + ['majority', 'minority', 'frac', 'coverage'], ee_opts={'coverage_weight': cw}, zf_args=['--coverage-weight', cw]))
        out.append(dict(name=f'opt_cw_{cw}_w', raster=byte, features=P, weights=f'{W_}/weights.tif', stats=['count', 'weighted_mean', 'weighted_sum', 'weighted_frac'], ee_opts={'coverage_weight': cw}, zf_args=['--coverage-weight', cw]))
    out.append(dict(name='opt_default_value', raster=f32, features=P, stats=BASIC + QUANT + ['majority', 'variety', 'frac', 'values'], ee_opts={'default_value': '7'}, zf_args=['--default-value', '7']))
    out.append(dict(name='opt_default_weight', raster=byte, features=P, weights=f'{W_}/weights.tif', stats=['weighted_mean', 'weighted_sum', 'weighted_frac', 'weights'], ee_opts={'default_weight': '2'}, zf_args=['--default-weight', '2']))
    out.append(dict(name='opt_default_both', raster=f32, features=P, weights=f'{W_}/weights.tif', stats=['count', 'mean', 'weighted_mean', 'weighted_sum'], ee_opts={'default_value': '-3', 'default_weight': '0.5'}, zf_args=['--default-value', '-3', '--default-weight', '0.5']))
    out.append(dict(name='opt_weights_coarse', raster=byte, features=P, weights=f'{W_}/weights_coarse.tif', stats=['count', 'sum', 'mean', 'weighted_mean', 'weighted_sum', 'weighted_frac', 'frac', 'majority']))
    out.append(dict(name='opt_nodata3', raster=byte, ee_raster=f'{W_}/byte_nd3.tif', features=P, stats=['count', 'sum', 'mean', 'min', 'max', 'frac', 'variety'], zf_args=['--nodata', '3']))
    out.append(dict(name='opt_nodata_none', raster=byte, ee_raster=f'{W_}/byte_ndnone.tif', features=P, stats=['count', 'sum', 'mean', 'min', 'max', 'frac', 'variety'], zf_args=['--nodata', 'none']))
    out.append(dict(name='opt_include', raster=byte, features=P, stats=['count', 'mean'], include=['name', 'area'], ee_args=['--include-col', 'name', '--include-col', 'area'], zf_args=['--include-cols', 'name,area']))
    out.append(dict(name='opt_raster_sequential', raster=f32, features=P, stats=BASIC + QUANT + ['majority', 'minority', 'variety'], ee_args=['--strategy', 'raster-sequential']))
    out.append(dict(name='ties', raster=f'{W_}/ties.tif', features=f'{W_}/ties_32631.gpkg', stats=['majority', 'minority', 'mode', 'variety', 'frac', 'median', 'quantile(q=0.25)', 'quantile(q=0.5)']))
    out.append(dict(name='ties_none', raster=f'{W_}/ties.tif', features=f'{W_}/ties_32631.gpkg', stats=['majority', 'minority', 'mode', 'median'], ee_opts={'coverage_weight': 'none'}, zf_args=['--coverage-weight', 'none']))
    out.append(dict(name='lines_f32', raster=f32, features=f'{W_}/lines_32631.gpkg', stats=BASIC + QUANT + ['majority', 'minority', 'variety', 'coverage']))
    return out


def summary(total, results):
    """The results file: totals, and per case its counts, the statistics that differ and exactextract's command."""
    short = lambda t: t.replace(WORK, '$WORK').replace(ROOT, '$ROOT').replace(EE, 'exactextract')
    cases = []
    for r in results:
        if 'error' in r:
            cases.append({'case': r['case'], 'error': short(r['error'])})
            continue
        per = r['per_stat']
        cases.append({'case': r['case'], 'features': r['features'], 'values': sum(p['values'] for p in per.values()),
                      'mismatches': sum(p['mismatches'] for p in per.values()), 'documented': sum(p['documented'] for p in per.values()),
                      'differing': {k: {'mismatches': p['mismatches'], 'documented': p['documented']} for k, p in per.items() if p['mismatches'] or p['documented']},
                      'first_mismatches': r['first_mismatches'][:5], 'exactextract': short(r['ee_cmd'])})
    head = {'tool': subprocess.run([EE, '--version'], capture_output=True, text=True).stdout.strip(), 'gdal': gdal.__version__, 'total': total}
    return '{"summary": ' + json.dumps(head) + ',\n"cases": [\n' + ',\n'.join(json.dumps(c) for c in cases) + ']}\n'


def main():
    if not os.path.exists(EE):
        log(f'ee-sweep: exactextract not found at {EE} (give --exactextract=PATH)')
        sys.exit(0)
    os.makedirs(WORK, exist_ok=True)
    if not os.path.exists(f'{WORK}/i32.tif') or 'remake' in ARGS:
        make_rasters()
        make_features()
    results = []
    total = {'values': 0, 'mismatches': 0, 'documented': 0}
    for c in cases():
        if ONLY and c['name'] not in ONLY:
            continue
        res = run_case(c)
        results.append(res)
        if 'error' in res:
            log(f"{c['name']}: ERROR {res['error']}")
            continue
        for s, p in res['per_stat'].items():
            for k in total:
                total[k] += p[k]
            flag = '' if p['mismatches'] == 0 else '  <-- MISMATCH'
            log(f"{c['name']:28s} {s:26s} {p['values']:8d} values {p['mismatches']:6d} mismatches {p['documented']:6d} documented{flag}")
        for m in res['first_mismatches']:
            log(f'    {m}')
    log(f"total: {total['values']} values, {total['mismatches']} mismatches, {total['documented']} documented differences")
    # as bench/report.ts: the ignored bench/.cache/results always, the tracked bench/results only with --save
    if not ONLY and 'zonalflow' not in ARGS:
        for d in [os.path.join(ROOT, 'bench', '.cache', 'results')] + ([os.path.join(ROOT, 'bench', 'results')] if 'save' in ARGS else []):
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, 'ee-sweep.json'), 'w') as fh:
                fh.write(summary(total, results))
    sys.exit(1 if total['mismatches'] else 0)


if __name__ == '__main__':
    main()

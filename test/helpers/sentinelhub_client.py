"""Runs sentinelhub-py's own readers on zonalflow's per-feature JSON.

Usage: sentinelhub_client.py <sentinelhub-py checkout> <docs.json>
Loads sentinelhub/data_utils.py (and the two modules it imports) from the
checkout without importing the whole package (whose __init__ needs numpy,
requests, shapely...), runs statistical_to_dataframe and
get_failed_statistical_requests, and prints their results as JSON.
sentinelhub-py is MIT-licensed; nothing of it is copied here.
"""
import importlib
import json
import os
import sys
import types
import typing

src, docs_path = sys.argv[1], sys.argv[2]
if "typing_extensions" not in sys.modules:
    try:
        import typing_extensions  # noqa: F401
    except ImportError:  # sentinelhub/types.py only needs TypeAlias
        shim = types.ModuleType("typing_extensions")
        shim.TypeAlias = typing.TypeAlias
        sys.modules["typing_extensions"] = shim
package = types.ModuleType("sentinelhub")
package.__path__ = [os.path.join(src, "sentinelhub")]
sys.modules["sentinelhub"] = package
data_utils = importlib.import_module("sentinelhub.data_utils")

with open(docs_path, encoding="utf8") as f:
    docs = json.load(f)
df = data_utils.statistical_to_dataframe(docs)
failed = data_utils.get_failed_statistical_requests(docs)
rows = json.loads(df.to_json(orient="records", date_format="iso", default_handler=str))
for row, (_, rec) in zip(rows, df.iterrows()):
    row["interval_from"] = rec["interval_from"].isoformat()
    row["interval_to"] = rec["interval_to"].isoformat()
print(json.dumps({"columns": list(df.columns), "rows": rows, "failed": failed}))

// A Worker file that fails as it loads (an uncaught error, exit code 1): how a thread's failure is relayed.
throw new TypeError('this thread fails as it starts');

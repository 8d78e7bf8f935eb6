"""A persistent worker for ``tunepool run --persistent lines|json`` (stdlib only).

tunepool starts the worker command once per worker slot and keeps it: each
input arrives on stdin as one record, and the worker answers one record per
input on stdout.  ``serve`` does the protocol, so a task is a plain function::

    # worker.py
    import tunepool_worker

    model = None

    def init():                 # once per worker, like ProcessPoolExecutor's initializer
        global model
        model = load_the_heavy_thing()

    def process(item):          # once per input (a str); the return value is the result
        return model.predict(item)

    if __name__ == "__main__":
        tunepool_worker.serve(process, init=init)

    $ tunepool run --persistent json -- python3 worker.py < inputs.txt

Framings (tunepool sets TUNEPOOL_FRAMING in the worker's environment; the
``framing`` argument overrides it):

json   each input is ``{"seq": N, "input": "..."}``; the answer is
       ``{"seq": N, "ok": true, "result": R}`` or ``{"seq": N, "ok": false,
       "error": "..."}``.  An exception in ``process`` fails that input only;
       the worker goes on.  After ``init`` the worker says ``{"ready": true}``,
       so tunepool times start-up apart from the tasks.
lines  one line in, one line out: ``str(result)`` is the answer.  There is no
       error record: an exception ends the worker (tunepool fails that input,
       retries it per --retries and starts a new worker).  A result holding a
       newline is refused the same way.

While ``process`` runs, ``print`` goes to stderr (tunepool forwards it with the
worker's slot), so stray output never breaks the protocol.

Run as a script, it serves ``module:function`` without a wrapper file:
``python3 tunepool_worker.py mymodule:process [--init mymodule:init]``.
"""

import contextlib
import importlib
import json
import os
import sys
import traceback

__all__ = ["serve"]


def _answer(out, obj):
    out.write(json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n")
    out.flush()


def _encodable(result):
    try:
        json.dumps(result)
        return result
    except (TypeError, ValueError):
        return str(result)


def serve(process, init=None, framing=None, stdin=None, stdout=None):
    """Serves inputs from stdin until end of file; returns the exit status (0).

    process(input: str) -> result is called once per input; init() once first.
    """
    framing = framing or os.environ.get("TUNEPOOL_FRAMING") or "lines"
    if framing not in ("lines", "json"):
        raise ValueError("unknown framing %r; use lines or json" % framing)
    inp = stdin if stdin is not None else sys.stdin
    out = stdout if stdout is not None else sys.stdout
    if stdin is None and hasattr(inp, "reconfigure"):
        inp.reconfigure(encoding="utf-8", errors="surrogateescape")
    # Whatever the task prints goes to stderr; answers keep stdout to themselves.
    quiet = contextlib.redirect_stdout(sys.stderr) if out is sys.stdout else contextlib.nullcontext()
    with quiet:
        if init is not None:
            init()
    if framing == "json":
        _answer(out, {"ready": True})
    for line in inp:
        line = line.rstrip("\n")
        if framing == "lines":
            with quiet:
                result = process(line)
            text = "" if result is None else str(result)
            if "\n" in text:
                raise ValueError("result for input %r holds a newline, which the lines "
                                 "framing cannot carry: use --persistent json" % line)
            out.write(text + "\n")
            out.flush()
            continue
        try:
            rec = json.loads(line)
            seq, item = rec["seq"], rec["input"]
        except (ValueError, KeyError, TypeError) as e:
            sys.stderr.write("tunepool_worker: bad record %r: %s\n" % (line[:80], e))
            return 2
        try:
            with quiet:
                result = process(item)
        except Exception as e:  # the seeds' (id, ok, error) triple
            traceback.print_exc(file=sys.stderr)
            _answer(out, {"seq": seq, "ok": False, "error": "%s: %s" % (type(e).__name__, e)})
        else:
            _answer(out, {"seq": seq, "ok": True, "result": _encodable(result)})
    return 0


def _load(spec):
    mod, _, fn = spec.partition(":")
    if not fn:
        raise SystemExit("tunepool_worker: %r is not module:function" % spec)
    sys.path.insert(0, os.getcwd())
    return getattr(importlib.import_module(mod), fn)


def main(argv):
    if len(argv) not in (1, 3) or (len(argv) == 3 and argv[1] != "--init"):
        sys.stderr.write("usage: tunepool_worker.py module:process [--init module:init]\n")
        return 2
    return serve(_load(argv[0]), init=_load(argv[2]) if len(argv) == 3 else None)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

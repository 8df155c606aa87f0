"""The page a run puts in place of an older report while it runs.

A run rewrites ``index.html`` only at its end. Until then the folder may hold the page of an
*earlier* run, which would look current if this run were killed outright (SIGKILL, an
out-of-memory kill, a power cut). So the first thing a run does is replace that page with this
one: it names the run, says that it is in progress or was killed before finishing, and points
to ``results.json``, which the run keeps current (snapshots marked ``in_progress``) and which
``python -m claimkit.report`` renders.
"""

from __future__ import annotations

from markupsafe import escape

__all__ = ["in_progress_page", "unrendered_page"]


def in_progress_page(started: str, command: str, results_name: str = "results.json") -> str:
    """A small self-contained HTML page standing in for the report of a running run.

    Parameters
    ----------
    started : str
        When the run started (ISO 8601).
    command : str
        The command line of the run.
    results_name : str, optional
        File name of the results beside the page.
    """
    for name, value in (("started", started), ("command", command),
                        ("results_name", results_name)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"`{name}` must be a non-empty string.")
    s, c, r = escape(started), escape(command), escape(results_name)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Statistical claims — run in progress</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}
.banner{{border:2px solid #b35900;background:#fff4e5;padding:.75rem 1rem}}code{{word-break:break-all}}</style>
</head><body>
<h1>Statistical claims — no finished report yet</h1>
<p class="banner" role="alert" id="in-progress">A run started at <strong>{s}</strong> is writing this
report. If that run is no longer active, it was killed before it could finish: this page was not
replaced by its report.</p>
<p>Command: <code>{c}</code></p>
<p>While it runs, <code>{r}</code> beside this page holds every result received so far (a
snapshot marked <code>in_progress</code>). To read it as a report:
<code>python -m claimkit.report {r} -o index.html</code>.</p>
</body></html>
"""


def unrendered_page(started: str, command: str, error: str,
                    results_name: str = "results.json") -> str:
    """The page left when a run finished but its report could not be rendered."""
    for name, value in (("started", started), ("command", command), ("error", error),
                        ("results_name", results_name)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"`{name}` must be a non-empty string.")
    s, c, e, r = escape(started), escape(command), escape(error), escape(results_name)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Statistical claims — report not rendered</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}
.banner{{border:2px solid #b00020;background:#fdecee;padding:.75rem 1rem}}code{{word-break:break-all}}</style>
</head><body>
<h1>Statistical claims — the report could not be rendered</h1>
<p class="banner" role="alert" id="not-rendered">The run started at <strong>{s}</strong> finished,
but rendering its report failed: <code>{e}</code>.</p>
<p>Command: <code>{c}</code></p>
<p>Its results are complete in <code>{r}</code> beside this page; to retry the page:
<code>python -m claimkit.report {r} -o index.html</code>.</p>
</body></html>
"""

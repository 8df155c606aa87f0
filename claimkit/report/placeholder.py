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


def _page(title: str, colours: str, heading: str, banner_id: str, banner: str,
          command: str, results: str) -> str:
    """The shared frame of both pages (all arguments already escaped)."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Statistical claims — {title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}
.banner{{border:2px solid {colours};padding:.75rem 1rem}}code{{word-break:break-all}}</style>
</head><body>
<h1>Statistical claims — {heading}</h1>
<p class="banner" role="alert" id="{banner_id}">{banner}</p>
<p>Command: <code>{command}</code></p>
{results}
</body></html>
"""


def _check(**values: str) -> None:
    for name, value in values.items():
        if not isinstance(value, str) or not value:
            raise ValueError(f"`{name}` must be a non-empty string.")


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
    _check(started=started, command=command, results_name=results_name)
    s, r = escape(started), escape(results_name)
    return _page("run in progress", "#b35900;background:#fff4e5", "no finished report yet",
                 "in-progress",
                 f"A run started at <strong>{s}</strong> is writing this report. If that run is "
                 "no longer active, it was killed before it could finish: this page was not "
                 "replaced by its report.", escape(command),
                 f"<p>While it runs, <code>{r}</code> beside this page holds every result "
                 "received so far (a snapshot marked <code>in_progress</code>). To read it as a "
                 f"report: <code>python -m claimkit.report {r} -o index.html</code>.</p>")


def unrendered_page(started: str, command: str, error: str,
                    results_name: str = "results.json") -> str:
    """The page left when a run finished but its report could not be rendered."""
    _check(started=started, command=command, error=error, results_name=results_name)
    s, r = escape(started), escape(results_name)
    return _page("report not rendered", "#b00020;background:#fdecee",
                 "the report could not be rendered", "not-rendered",
                 f"The run started at <strong>{s}</strong> finished, but rendering its report "
                 f"failed: <code>{escape(error)}</code>.", escape(command),
                 f"<p>Its results are complete in <code>{r}</code> beside this page; to retry "
                 f"the page: <code>python -m claimkit.report {r} -o index.html</code>.</p>")

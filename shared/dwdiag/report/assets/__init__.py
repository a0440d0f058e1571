"""The report's script (report.js) and stylesheet (report.css): data files only, read by dwdiag.report.html and
inlined into the page byte for byte. A package so they ship in the wheel."""

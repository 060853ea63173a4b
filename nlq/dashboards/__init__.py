"""Dashboards: answers pinned as tiles that are re-run (vetted, read-only) whenever someone looks.

``access`` decides who may see and change a dashboard and does the changes; ``tiles`` turns an answer into
what a tile keeps (SQL, chart choice, formatting — never rows); ``cache`` keeps fresh results for a
dashboard's refresh interval so that many viewers cost one query; ``refresh`` runs a dashboard's tiles and
logs each run with its tile id; ``export`` writes a dashboard as one offline HTML file or an Excel workbook.
"""

"""nlq: self-hosted natural-language analytics. Ask a question, get vetted SQL, a table and a chart.

The engine is a plain package: the Streamlit app, the CLI and the tests all call ``nlq.pipeline.ask`` with an
``nlq.engine.Engine`` (``nlq.services.open_app`` adds the store). docs/architecture.md maps the modules.
"""

__version__ = "0.1.0"

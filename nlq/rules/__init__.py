"""The rules tier: answers simple questions from the schema alone, with no model and at no model cost.

``understand`` either returns SQL with a plain account of how the question was read, or raises
``HandedOver`` with the reason; the router then asks the model. The SQL it returns is vetted and run
exactly like a model's.
"""

from __future__ import annotations

from nlq.rules.catalog import Catalog, build_catalog
from nlq.rules.compile import RulesQuery, compile_intent
from nlq.rules.parse import parse
from nlq.rules.reading import latest_date_reader, read_values
from nlq.rules.semantic_model import SemanticModel, load_semantic_model

__all__ = ["Catalog", "RulesQuery", "SemanticModel", "build_catalog", "latest_date_reader", "load_semantic_model",
           "read_values", "understand"]


def understand(question: str, catalog: Catalog) -> RulesQuery:
    return compile_intent(parse(question, catalog), catalog)

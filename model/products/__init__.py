"""Product models: a spec combined with a monitor, explored by the same engines. A
scenario's script (scenario.py), the bounded responses' obligations (response.py) and the
timing queries' monitors (measure.py)."""

from __future__ import annotations

from .measure import MEASURE_VARS, measure_product, staying_product, waiting_product
from .response import response_product
from .scenario import ProductInfo, scenario_product

__all__ = ["scenario_product", "ProductInfo", "response_product", "measure_product",
           "waiting_product", "staying_product", "MEASURE_VARS"]

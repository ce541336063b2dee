"""Product models: a spec combined with a monitor, explored by the same engines. A
scenario's script (scenario.py) and the bounded responses' obligations (response.py)."""

from __future__ import annotations

from .response import response_product
from .scenario import ProductInfo, scenario_product

__all__ = ["scenario_product", "ProductInfo", "response_product"]

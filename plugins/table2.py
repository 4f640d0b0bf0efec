"""The 18 rows of Table II of arXiv:2104.03228 as plugin objects, one entry point each.

pyproject.toml declares ``F_Ia = "bridge_plugins.table2:F_Ia"`` and so on for F_Ia … F_Vc and
S_Ia … S_Vc: each name below is a :class:`Table2Model` holding the row's description, built by
:func:`bridge_plugins._table2.table_ii_model` (the physics, the dark-matter choices, the card
conventions and the group factors are documented there). F_Ib and F_IIb take their descriptions
from their own modules, which document them in detail.

Block MASS bases (first code of each model; the states are base + 10 k + j):

    F_Ia 9901000  F_Ib 9900000  F_Ic 9902000    S_Ia 9951000  S_Ib 9950000  S_Ic 9952000
    F_IIa 9921000 F_IIb 9920000 F_IIc 9922000   S_IIa 9961000 S_IIb 9960000 S_IIc 9962000
    F_Va 9941000  F_Vb 9940000  F_Vc 9942000    S_Va 9971000  S_Vb 9970000  S_Vc 9972000
"""

from __future__ import annotations

from bridge import hookimpl
from bridge.fields import ModelDescription
from bridge_plugins._table2 import all_models


class Table2Model:
    """A model plugin object: one row of Table II."""

    def __init__(self, description: ModelDescription):
        self.description = description
        self.__doc__ = description.description

    @hookimpl
    def bridge_model_description(self) -> ModelDescription:
        return self.description

    def __repr__(self) -> str:
        return f"Table2Model({self.description.name})"


_MODELS = {name: Table2Model(desc) for name, desc in all_models().items()}

F_Ia = _MODELS["F_Ia"]
F_Ib = _MODELS["F_Ib"]
F_Ic = _MODELS["F_Ic"]
F_IIa = _MODELS["F_IIa"]
F_IIb = _MODELS["F_IIb"]
F_IIc = _MODELS["F_IIc"]
F_Va = _MODELS["F_Va"]
F_Vb = _MODELS["F_Vb"]
F_Vc = _MODELS["F_Vc"]
S_Ia = _MODELS["S_Ia"]
S_Ib = _MODELS["S_Ib"]
S_Ic = _MODELS["S_Ic"]
S_IIa = _MODELS["S_IIa"]
S_IIb = _MODELS["S_IIb"]
S_IIc = _MODELS["S_IIc"]
S_Va = _MODELS["S_Va"]
S_Vb = _MODELS["S_Vb"]
S_Vc = _MODELS["S_Vc"]

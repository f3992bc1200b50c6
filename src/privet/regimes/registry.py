"""Every regime privet applies to a decision, in one list."""

from __future__ import annotations

from privet.regimes.base import Floor, Regime, SubjectFacts, Use
from privet.regimes.cable import Cable
from privet.regimes.ccpa import Ccpa
from privet.regimes.channels import CanSpam, Tcpa
from privet.regimes.coppa import Coppa
from privet.regimes.cpni import Cpni
from privet.regimes.fcra import Fcra
from privet.regimes.maine import Maine
from privet.regimes.nevada import Nevada

REGIMES: tuple[Regime, ...] = (Cpni(), Ccpa(), Maine(), Nevada(), Fcra(), CanSpam(), Tcpa(), Coppa(), Cable())


def floors_for(use: Use, facts: SubjectFacts) -> list[Floor]:
    return [floor for regime in REGIMES for floor in regime.floors(use, facts)]

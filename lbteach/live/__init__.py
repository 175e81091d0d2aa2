"""The live-room framework: what every live restaurant (a lab, a class) is served through.

It imports no feature package (`lab`, `classroom`); they import it.
"""

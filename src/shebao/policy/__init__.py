"""Rules as code: dated, referenced parameters and pure formulas; no I/O beyond its own YAML.

Imports nothing of the project except `shebao.errors`.
"""

from shebao.policy.parameters import (
    PROVINCE_CODES,
    ParameterError,
    ParameterSet,
    ParameterValue,
    Policy,
    PolicySnapshot,
    check_region_dir,
    describe_parameter,
    load_parameters,
    province_index,
    province_of,
)

__all__ = [
    "PROVINCE_CODES",
    "ParameterError",
    "ParameterSet",
    "ParameterValue",
    "Policy",
    "PolicySnapshot",
    "check_region_dir",
    "describe_parameter",
    "load_parameters",
    "province_index",
    "province_of",
]

"""The vocabulary (budgetkg.ttl), its SHACL shapes (shapes.ttl) and the mapping of records to triples."""

from importlib import resources
from pathlib import Path


def vocabulary_path() -> Path:
    return Path(str(resources.files(__package__).joinpath("budgetkg.ttl")))


def shapes_path() -> Path:
    return Path(str(resources.files(__package__).joinpath("shapes.ttl")))

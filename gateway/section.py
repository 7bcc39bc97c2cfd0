"""The base of every configuration section, apart from config.py so that a section with a
module of its own (custom_resources.py) can share it without an import cycle."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

STATED = "stated"
"""The error type of a problem whose message already names where it is (a rule in the
configuration file, by its line): reported as it is, without the value that holds it."""


class Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


def stated(problems: list[str]) -> PydanticCustomError:
    """Every problem one a line; the message is kept out of the template so that braces in
    it (a CEL map literal) are not taken for placeholders."""
    return PydanticCustomError(STATED, "{problems}", {"problems": "\n".join(problems)})

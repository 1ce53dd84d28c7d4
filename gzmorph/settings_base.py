"""The base of every settings model (gzmorph.settings, gzmorph.mergers.settings) and the list type they share."""

from typing import Annotated, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict

T = TypeVar("T")


class Settings(BaseModel):
    """A config section or job slice: frozen, unknown keys refused, and strict as YAML's types are (no "3" for 3, no
    1 for true; an integer is a float)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def _tuple_of_list(value):
    return tuple(value) if isinstance(value, list) else value


# A YAML list as a tuple, so that settings stay hashable (strict validation alone takes no list for a tuple).
Items = Annotated[tuple[T, ...], BeforeValidator(_tuple_of_list)]

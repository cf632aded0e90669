"""Declarative base and the column types shared by every table.

Money never passes through float: amounts are stored as integer cents and come
back as ``Decimal`` euros (:class:`ScaledDecimal`). Timestamps are stored in UTC
and come back timezone-aware (:class:`UTCDateTime`), whatever the backend.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import DateTime, Integer, MetaData, String, TypeDecorator
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored naive UTC everywhere."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class ScaledDecimal(TypeDecorator):
    """An exact decimal stored as an integer scaled by 10**scale.

    ``ScaledDecimal(2)`` stores 12.34 as 1234. Values with more digits than the
    scale are refused rather than silently rounded.
    """

    impl = Integer
    cache_ok = True

    def __init__(self, scale: int = 2):
        super().__init__()
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("float refused for an exact amount: use Decimal")
        value = Decimal(value)
        quantized = value.quantize(self._quantum, rounding=ROUND_HALF_UP)
        if quantized != value:
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        return int(quantized.scaleb(self.scale))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale).quantize(self._quantum)

    @property
    def python_type(self):
        return Decimal


def Money() -> ScaledDecimal:  # noqa: N802 - reads like a type in column definitions
    """Euros with cents, stored as integer cents."""
    return ScaledDecimal(2)


def enum_column(enum_cls: type[enum.Enum], length: int = 32) -> SAEnum:
    """Store a StrEnum by value in a plain VARCHAR (portable, readable in SQL)."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class VersionedMixin:
    """Rows agents edit: optimistic locking through a version counter.

    A stale write (another agent saved in between) raises
    ``sqlalchemy.orm.exc.StaleDataError``, which the services turn into a
    French message asking to reload.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    if TYPE_CHECKING:
        # Set by the declarative Base on the mapped subclasses the mixin is used with.
        __table__: ClassVar[FromClause]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


def short_str(length: int = 120) -> String:
    return String(length)

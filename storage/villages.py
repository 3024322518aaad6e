"""Queries on villages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rules.regions import VillageInfo
from storage.models import Village


async def get_village(session: AsyncSession, code: str) -> Village | None:
    """A village by its dotted Kemendagri code."""
    return await session.get(Village, code)


async def ensure_village(session: AsyncSession, info: VillageInfo) -> Village:
    """The village row for a Kemendagri village, created from the official list when missing."""
    village = await session.get(Village, info.code)
    if village is None:
        village = Village(
            code=info.code,
            name=info.name,
            district=info.district,
            regency=info.regency,
            province=info.province,
            timezone=info.timezone,
        )
        session.add(village)
        await session.flush()
    return village


async def list_villages(session: AsyncSession) -> list[Village]:
    """Every village the programme runs in, by code."""
    return list(await session.scalars(select(Village).order_by(Village.code)))

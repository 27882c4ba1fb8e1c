"""The request body of POST /predict."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Applicant(BaseModel):
    applicant_id: str | None = None
    age: int = Field(ge=18, le=100)
    income: int = Field(ge=0, description="yearly, in euros")
    debt: int = Field(ge=0, description="outstanding, in euros")
    years_employed: int = Field(ge=0, le=80)
    region: Literal["CE", "EA", "IS", "NO", "SO", "WE"]
    home_owner: int = Field(ge=0, le=1)

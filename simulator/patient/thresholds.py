"""Perception and discomfort thresholds of a program for this patient.

APPROXIMATION FOR TEACHING (domain/patient.md A2, A6):
- PT on one cathode = I_PT(PW) x (d / d_ref)^n, where I_PT(PW) = 2.5 mA x (1 + 295 us / PW) is
  the strength-duration fit of `simulator.scs.perception` [L: Hershey 2010] and the power law is
  the one of the closed-loop ECAP threshold (`simulator.scs.closed_loop.threshold_ma`), n = 2 [?].
  So PT at d = 6.0 mm is (6.0 / 3.0)^2 = 4 times PT at d = 3.0 mm.
- d = dorsal CSF thickness at the contact (level and posture, `anatomy`) + a lateral term:
  below C4 a lateral contact is closer to the dorsal roots (lower PT), at C4 and above the
  reverse [L: He 1994 Pain 59:55, direction only]; size `lateral_mm_per_mm` per mm, capped [?].
- A program's current is split over its cathodes by their shares; it is perceived once one
  cathode's share reaches its PT: PT_program = min over cathodes of PT_c / share_c.
- DT = `discomfort_ratio` x PT (1.4-2 [?], default 1.7).
"""
from __future__ import annotations

from dataclasses import dataclass

from simulator.patient.anatomy import ContactSite, csf_thickness_mm, level_index
from simulator.patient.profile import PatientProfile
from simulator.scs.closed_loop import threshold_ma
from simulator.scs.perception import perception_threshold_ma

C4_INDEX = level_index("C4")


@dataclass(frozen=True)
class _PowerLaw:
    """The two fields `closed_loop.threshold_ma` reads: threshold at the reference distance, exponent."""

    threshold_ma_at_reference: float
    distance_exponent: float


def effective_distance_mm(profile: PatientProfile, site: ContactSite, posture: str, factors: dict[str, float] | None = None) -> float:
    """Cord-to-contact distance the threshold scales with, mm. `factors`: posture distance factors
    (default the profile's; the device passes the linked closed-loop stimulator's when it has them)."""
    assert profile.dorsal_csf_mm is not None  # a patient linked to a stimulator has it (checked at load)
    d = csf_thickness_mm(profile.dorsal_csf_mm, site.position, posture, factors or profile.posture_distance_factor)
    lateral = min(abs(site.x_mm - profile.cord_offset_mm), profile.lateral_cap_mm) * profile.lateral_mm_per_mm
    d = d + lateral if int(site.position) <= C4_INDEX else d - lateral
    return max(profile.min_distance_mm, d)


def cathode_threshold_ma(pulse_width_us: float, distance_mm: float, reference_distance_mm: float, exponent: float) -> float:
    """PT of current on one cathode, mA: I_PT(PW) x (d / d_ref)^n."""
    law = _PowerLaw(perception_threshold_ma(pulse_width_us), exponent)
    # threshold_ma reads only the two fields _PowerLaw has; simulator/scs/closed_loop.py types its
    # argument as the whole ClosedLoopSpec
    return threshold_ma(law, distance_mm / reference_distance_mm)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CathodeThreshold:
    label: str
    level: str
    side: str
    share: float  # of the program's current, 0..1
    distance_mm: float
    threshold_ma: float  # current on this contact at perception, mA


@dataclass(frozen=True)
class ProgramThresholds:
    """Perception / discomfort thresholds of a program (program amplitude, mA) and its cathodes."""

    program: str
    perception_ma: float
    discomfort_ma: float
    cathodes: tuple[CathodeThreshold, ...]

    def ratio(self, amplitude_ma: float) -> float:
        """Amplitude over perception threshold (0 when there is no threshold)."""
        return amplitude_ma / self.perception_ma if self.perception_ma > 0 else 0.0


def program_thresholds(profile: PatientProfile, program, sites: dict[str, ContactSite], posture: str,
                       factors: dict[str, float] | None = None) -> ProgramThresholds | None:
    """Thresholds of `program` (a `simulator.scs.program.Program`), None when no cathode lies on a lead."""
    from simulator.patient.anatomy import side_of

    rows = []
    for label, share in program.cathodes().items():
        site = sites.get(label)
        if site is None or share <= 0:
            continue
        d = effective_distance_mm(profile, site, posture, factors)
        pt = cathode_threshold_ma(program.pulse_width_us, d, profile.reference_distance_mm, profile.threshold_exponent)
        rows.append(CathodeThreshold(label, site.level, side_of(site.x_mm - profile.cord_offset_mm, profile.midline_band_mm), share, d, pt))
    if not rows:
        return None
    pt_program = min(r.threshold_ma / r.share for r in rows)
    return ProgramThresholds(program.name, pt_program, pt_program * profile.discomfort_ratio, tuple(rows))

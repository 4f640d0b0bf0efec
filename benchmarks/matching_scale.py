"""Residual matching-scale dependence of the F_Ib benchmark, and what the SMEFT route would add.

Table 1 (issue 16, item 4): the one-loop coefficients of cards/F_Ib.slha (μ-independent at this
order) are put at a matching scale μ_M = M/2, M, 2M, with M = bridge.running.matching_scale of
the dark masses (the heaviest, Φ_q), and C7_bs, CVLL_bsbs are computed at 4.8 GeV by three
chains, each ending with wilson's WET running (as bridge.observables does):

  no running  — today's default: coefficients handed to wilson at 160 GeV, nothing above;
  WET at μ_M  — coefficients handed to wilson at μ_M (Block BRIDGE entry 2 = μ_M): five-flavour
                WET running above m_t (the trap T6 of the ecosystem notes);
  LL 6/5      — bridge.running from μ_M to 160 GeV (six flavours above m_t), then wilson.

Table 2: for SU(2)-invariant Warsaw-basis inputs at μ_M = 1 TeV, the WET coefficients at 160 GeV
from wilson's SMEFT running (SMEFT → 160 GeV, tree matching there) against tree matching at
μ_M followed by bridge.running: the electroweak/Yukawa running the LL-WET route leaves out when
all dark states are far above v (bridge.running.route).

Usage: python benchmarks/matching_scale.py      (about a minute; imports flavio and wilson)
"""

from __future__ import annotations

from pathlib import Path

from bridge import running
from bridge.flavio_setup import make_wilson
from bridge.run import run_card

ROOT = Path(__file__).resolve().parent.parent
CARD = ROOT / "cards" / "F_Ib.slha"
HANDOVER, LOW = 160.0, 4.8
SHOWN = ("C7_bs", "CVLL_bsbs")


def at_low_scale(coefficients: dict, scale: float) -> dict:
    """wilson's WET running from ``scale`` to 4.8 GeV (the bridge's make_wilson)."""
    return make_wilson(coefficients, scale).match_run(LOW, "WET", "flavio", sectors=("sb", "sbsb")).dict


def sm_c7eff() -> float:
    """flavio's SM C7eff at 4.8 GeV (five-flavour SM coefficients C1..C10, C7eff seventh)."""
    from flavio.physics.bdecays.wilsoncoefficients import wcsm_nf5

    return float(wcsm_nf5(LOW)[6].real)


def chains(quark: dict, mu_m: float) -> dict[str, dict]:
    ran = running.run_coefficients(quark, mu_m, HANDOVER)
    return {"no running": at_low_scale(quark, HANDOVER),
            "WET at mu_M": at_low_scale(quark, mu_m),
            "LL 6/5": at_low_scale(ran, HANDOVER)}


def table_scale_dependence() -> None:
    point = run_card(str(CARD), predictions=False)
    # the one-loop coefficients at the matching scale (run_card hands the run ones to wilson)
    quark = {k: v for k, v in point.matching_coefficients.items()
             if k.startswith(("C7", "C8", "CVLL", "CVRR")) and k.endswith(("_bs", "bsbs"))}
    masses = [p.mass for p in point.spectrum.particles]
    big_m = running.matching_scale(masses)
    print(f"bridge run's own choice: mu_M = {point.matching_scale:g} GeV, handed over at "
          f"{point.scale:g} GeV: C7_bs = {point.coefficients['C7_bs']:.4e}")
    print(f"F_Ib benchmark ({CARD.name}); dark masses {', '.join(f'{m:.1f}' for m in masses)} GeV")
    print(f"M = matching_scale(heaviest) = {big_m:g} GeV; route: {running.route(masses)}")
    print(f"one-loop inputs: C7_bs = {quark['C7_bs']:.4e}, C8_bs = {quark['C8_bs']:.4e}, "
          f"CVLL_bsbs = {quark['CVLL_bsbs']:.4e} GeV^-2\n")
    scales = (big_m / 2, big_m, 2 * big_m)
    results = {mu: chains(quark, mu) for mu in scales}
    for name in SHOWN:
        print(f"{name} at {LOW} GeV (NP)")
        print(f"  {'chain':<13}" + "".join(f"{'mu_M=' + format(mu, 'g'):>24}" for mu in scales)
              + f"{'spread M/2..2M':>16}")
        central = results[big_m]["LL 6/5"][name]
        for chain in ("no running", "WET at mu_M", "LL 6/5"):
            values = [results[mu][chain][name] for mu in scales]
            re_values = [v.real for v in values]
            spread = (max(re_values) - min(re_values)) / abs(results[big_m][chain][name].real)
            print(f"  {chain:<13}" + "".join(f"{v.real:>+15.5e}{v.imag:>+8.1e}i" for v in values)
                  + f"{100 * spread:>15.1f}%")
        offset = results[big_m]["no running"][name].real / central.real - 1
        print(f"  no running vs LL 6/5 at mu_M = M: {100 * offset:+.1f}%")
        if name == "C7_bs":
            c7_sm = sm_c7eff()
            width = max(abs(results[mu]["LL 6/5"][name].real - central.real) for mu in scales)
            print(f"  LL 6/5 band (largest shift from mu_M = M) = {100 * width / abs(c7_sm):.3f}% of the "
                  f"SM C7eff({LOW}) = {c7_sm:.4f}")
            for part in ("C7_bs", "C8_bs"):
                alone = [at_low_scale(running.run_coefficients({part: quark[part]}, mu, HANDOVER),
                                      HANDOVER)["C7_bs"].real for mu in scales]
                print(f"  LL 6/5, from {part}(mu_M) only:" + "".join(f"{v:>+13.4e}" for v in alone))
        print()


def smeft_route(warsaw: dict, mu_m: float, names: tuple[str, ...]) -> tuple[dict, dict]:
    """(SMEFT running to 160 GeV then tree matching, tree matching at μ_M then LL-WET)."""
    import wilson

    via_smeft = wilson.Wilson(warsaw, scale=mu_m, eft="SMEFT", basis="Warsaw")
    via_smeft.set_option("smeft_matchingscale", HANDOVER)
    smeft = via_smeft.match_run(HANDOVER, "WET", "flavio").dict
    at_m = wilson.Wilson(warsaw, scale=mu_m, eft="SMEFT", basis="Warsaw")
    at_m.set_option("smeft_matchingscale", mu_m)
    tree = at_m.match_run(mu_m, "WET", "flavio").dict
    wet = running.run_coefficients({k: tree.get(k, 0j) for k in names}, mu_m, HANDOVER)
    return smeft, wet


def table_smeft_route(mu_m: float = 1000.0) -> None:
    cases = [
        ("lq1 = lq3 (b s mu mu, left)", {"lq1_2223": 1e-8, "lq3_2223": 1e-8},
         ("C9_bsmumu", "C10_bsmumu", "CL_bsnumunumu", "C9_bsee")),
        ("qe (b s mu mu, right lepton)", {"qe_2322": 1e-8}, ("C9_bsmumu", "C10_bsmumu")),
        ("dB (photon-like dipole)", {"dB_23": 1e-8}, ("C7_bs", "C8_bs")),
        ("dG (gluon dipole)", {"dG_23": 1e-8}, ("C7_bs", "C8_bs")),
        ("qq1 (B_s mixing)", {"qq1_2323": 1e-10}, ("CVLL_bsbs",)),
    ]
    print(f"SMEFT route vs LL-WET, {mu_m:g} GeV -> {HANDOVER:g} GeV (WET flavio coefficients at "
          f"{HANDOVER:g} GeV; 'ratio' = SMEFT/LL-WET)")
    for label, warsaw, names in cases:
        smeft, wet = smeft_route(warsaw, mu_m, names)
        reference = abs(wet[names[0]])
        parts = []
        for name in names:
            a, b = smeft.get(name, 0j), wet.get(name, 0j)
            if abs(b) > 1e-6 * reference:
                parts.append(f"{name} ratio {a.real / b.real:.4f}")
            else:
                parts.append(f"{name} {a.real / reference:+.4f} x |{names[0]}| (absent in LL-WET)")
        print(f"  {label:<30} " + "; ".join(parts))


def main() -> None:
    table_scale_dependence()
    table_smeft_route()


if __name__ == "__main__":
    main()

"""Shared inputs of the dark-matter tests (fixed SM numbers, no flavio import)."""

from __future__ import annotations

from bridge.sm import SMInputs

#: PDG-like SM inputs, fixed so the dark-matter tests do not import flavio.
SM = SMInputs(GF=1.1663787e-5, alpha_e_bsll=1 / 133.0, alpha_e_0=1 / 137.035999084, s2w=0.23121,
              m_W=80.377, m_Z=91.1876, m_e=0.000510999, m_mu=0.1056584, m_tau=1.77686, m_s=0.0935,
              m_b=4.18, m_t=172.69, lambda_t_re=-0.0405, lambda_t_im=0.00074)

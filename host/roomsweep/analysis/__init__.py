"""Analysis of captures: envelope DSP, per-kind classifiers, baseline, location.

Layers: recording (plain arrays) -> dsp -> features -> classifiers -> findings.
Nothing here imports plotting or the CLI.
"""

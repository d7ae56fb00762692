"""rdrs-gui: annotate and pre-annotate Russian drug reviews (RDRS tag set) for pharmacovigilance."""

__version__ = "0.1.0"

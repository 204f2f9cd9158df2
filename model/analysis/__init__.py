"""Questions asked of many runs: exploration, sensitivity, robustness, calibration."""

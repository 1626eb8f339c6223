"""Reports: the nightly roll-up, the merchants' and branches' dashboards, charts, exports, the BI feed."""

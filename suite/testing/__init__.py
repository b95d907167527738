"""What tests import: strategies, tolerances, version gates, the tutorials' models, data."""

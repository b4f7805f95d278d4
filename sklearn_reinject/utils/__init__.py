"""Internal helpers: device, random state, and private-API imports."""

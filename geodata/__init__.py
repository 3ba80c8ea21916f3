"""Geometry: read and validate polygons, roll levels up by dissolve, simplify, GeoJSON."""

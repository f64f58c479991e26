"""The demo's plan YAMLs, one per archetype plus corporate MBO and PS utilization (package data)."""

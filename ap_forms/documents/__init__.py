"""Evidence documents: uploaded files, stored outside static/ and downloaded only through the gate."""

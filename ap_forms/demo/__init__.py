"""A realistic, fictional school to try AP Forms with (`flask --app ap_forms demo`)."""

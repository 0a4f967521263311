"""Each role's home page, and the school's overview of what needs attention."""

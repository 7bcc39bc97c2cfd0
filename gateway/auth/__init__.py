"""Who is calling, and what they may see: authentication, tenant scoping, limits, audit."""

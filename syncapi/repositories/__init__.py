"""All MongoDB access, one module per entity; views never touch a collection directly."""

"""Who is calling, what they may see and do, and the record of what they did."""

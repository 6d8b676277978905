"""Face-to-face delivery of qualified signature certificates at a CCI pickup desk."""

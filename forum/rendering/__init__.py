"""The pieces `forum.markup` assembles: math, highlighted code, heading outlines."""

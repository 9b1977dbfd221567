"""Tests of impact.report (a package so test module names cannot clash with other subpackages)."""

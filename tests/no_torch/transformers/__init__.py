"""Stands in for transformers while `make test-fast` runs: a test that loads transformers must carry `@pytest.mark.torch`."""
raise ImportError("transformers is loaded by an `act` command that a `make test-fast` test runs: mark that test "
                  "`@pytest.mark.torch`")

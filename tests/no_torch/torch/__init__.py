"""Stands in for torch while `make test-fast` runs: a test that loads torch must carry `@pytest.mark.torch`."""
raise ImportError("torch is loaded by an `act` command that a `make test-fast` test runs: mark that test "
                  "`@pytest.mark.torch`")

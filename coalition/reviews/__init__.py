"""UPR reviews: the reference data (States, regional groups, cycles, themes) reviews rest on."""

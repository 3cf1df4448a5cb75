"""The demo coalition: the Hong Kong UPR Coalition."""

"""One module per command group; each exports the click command it defines."""

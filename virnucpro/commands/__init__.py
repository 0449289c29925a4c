"""One module per subcommand, each with a ``main(args)`` called by ``virnucpro.cli``."""

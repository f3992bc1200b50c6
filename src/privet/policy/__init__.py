"""Policy as code: the pack model, its loader and checks, the notice renderer and the differ."""

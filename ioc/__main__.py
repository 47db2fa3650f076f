from ioc.cli import app

app(prog_name="python -m ioc")

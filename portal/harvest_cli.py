"""`portal harvest-ckan URL`: import a CKAN portal's catalogue (and CSV data) into the datasets folder."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("harvest-ckan")
@click.argument("url")
@click.option("--org", help="Only this organization's datasets (its CKAN name or id).")
@click.option("--datasets-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write datasets/<name>/ (default: the configured datasets folder).")
@click.pass_context
def harvest_ckan(ctx, url, org, datasets_dir):
    """Import dataset records and CSV resources from any CKAN instance (for migrating from CKAN).

    Each dataset becomes datasets/<name>/dataset.yaml + data.csv; fields CKAN has no place for get
    defaults listed at the top of the yaml for review. Run `portal build` afterwards to publish.
    """
    from .cli import _cfg
    from .harvest import HarvestError, harvest
    target = datasets_dir or _cfg(ctx).datasets_dir
    try:
        done, failed = harvest(url, target, org)
    except HarvestError as e:
        raise click.ClickException(str(e)) from None
    for folder in done:
        click.echo(f"已导入 (harvested): {folder}")
    for name, why in failed:
        click.echo(f"未导入 (skipped) {name}: {why}", err=True)
    click.echo(f"{len(done)} 个数据集已导入，{len(failed)} 个失败 (harvested, failed)")
    if failed and not done:
        raise click.ClickException("没有导入任何数据集 (nothing harvested)")

"""The loader keeps ids, labels and pixels aligned through shuffling, across shard boundaries."""

import numpy as np
import pandas as pd
import pytest

from gzmorph.archives import iter_images
from gzmorph.geometry import Geometry, decode_field
from gzmorph.labels import LABEL_COLUMNS
from tests.conftest import SAMPLE_TRAIN_IMAGES


def test_shuffled_batches_stay_aligned(sample_train_set, sample_labels):
    shards = sample_train_set
    assert len(shards) == 500 and shards.shard.max() == 3  # 128 per shard: batches cross shard boundaries
    truth = sample_labels.set_index("GalaxyID")
    wanted = set(int(i) for i in shards.ids[::50])
    raw = {gid: decode_field(data, Geometry(212, 48)) for gid, _, data in iter_images(SAMPLE_TRAIN_IMAGES, wanted)}
    seen = []
    for batch in shards.batches(96, shuffle=True, rng=np.random.default_rng(3)):
        assert batch.images.dtype == np.uint8 and batch.images.shape[1:] == (68, 68, 3)
        assert batch.labels.dtype == np.float32 and batch.labels.shape == (len(batch.ids), 37)
        np.testing.assert_allclose(batch.labels, truth.loc[batch.ids, list(LABEL_COLUMNS)].to_numpy(), atol=0)
        for gid, image in zip(batch.ids, batch.images, strict=True):
            if int(gid) in raw:
                np.testing.assert_array_equal(image, raw[int(gid)])
        seen.extend(batch.ids.tolist())
    assert sorted(seen) == sorted(shards.ids.tolist())  # every image exactly once
    assert seen != shards.ids.tolist()  # and actually shuffled


def test_batches_in_order_and_drop_last(sample_train_set):
    ordered = list(sample_train_set.batches(128))
    assert [len(b.ids) for b in ordered] == [128, 128, 128, 116]
    np.testing.assert_array_equal(np.concatenate([b.ids for b in ordered]), sample_train_set.ids)
    assert [len(b.ids) for b in sample_train_set.batches(128, drop_last=True)] == [128, 128, 128]


def test_subset_reorders_and_refuses_unknown_ids(sample_train_set):
    ids = sample_train_set.ids[[400, 3, 250]]
    chosen = sample_train_set.subset(ids)
    np.testing.assert_array_equal(chosen.ids, ids)
    np.testing.assert_array_equal(chosen.images(np.arange(3)), sample_train_set.images(np.array([400, 3, 250])))
    np.testing.assert_array_equal(chosen.labels, sample_train_set.labels[[400, 3, 250]])
    with pytest.raises(KeyError, match="1 GalaxyIDs are not in"):
        sample_train_set.subset(np.array([ids[0], 1], dtype=np.uint64))


def test_shards_are_memory_maps(sample_train_set):
    sample_train_set.images(np.array([0]))
    assert all(isinstance(m, np.memmap) for m in sample_train_set._maps.values())
    assert isinstance(sample_train_set.index, pd.DataFrame)


def test_a_pass_over_many_shards_keeps_only_a_few_open(tmp_path):
    from gzmorph.shards import OPEN_SHARDS, ShardSet, ShardWriter

    writer = ShardWriter(tmp_path, shard_size=2, image_shape=(4, 4, 3))
    for k in range(20):  # 10 shards
        writer.add(k, np.full((4, 4, 3), k, dtype=np.uint8))
    writer.close().to_parquet(tmp_path / "index.parquet")
    shards = ShardSet(tmp_path)
    images = shards.images(np.arange(20)[::-1])
    assert [int(image[0, 0, 0]) for image in images] == list(range(19, -1, -1))
    assert len(shards._maps) <= OPEN_SHARDS

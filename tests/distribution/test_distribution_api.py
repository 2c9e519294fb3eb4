"""keras.distribution and minikeras.horovod in one process (no mpiexec): Keras's names,
their checks, and a one-process world whose collectives change nothing."""
import os
import sys

import numpy as np
import pytest

import minikeras as keras
import minikeras.horovod as hvd
from minikeras.distribution import world as world_module
from minikeras.distribution.sharded_update import saves_mid_epoch, shard_bounds, shares_memory

dist = keras.distribution


@pytest.fixture(autouse=True)
def no_distribution():
    yield
    dist.set_distribution(None)


def test_one_process_lists_one_cpu_device():
    assert dist.list_devices() == ["cpu:0"]
    assert dist.list_devices("CPU") == ["cpu:0"]
    assert dist.list_devices("gpu") == [] and dist.get_device_count("tpu") == 0
    assert dist.get_device_count() == 1


def test_unknown_device_type_is_refused():
    with pytest.raises(ValueError, match="device_type.*'npu'"):
        dist.list_devices("npu")


def test_device_mesh_checks_names_and_device_count():
    mesh = dist.DeviceMesh((1,), ["batch"])
    assert mesh.shape == (1,) and mesh.axis_names == ["batch"]
    assert mesh.devices.tolist() == ["cpu:0"]
    with pytest.raises(ValueError, match="one axis name per dimension"):
        dist.DeviceMesh((1,), ["batch", "model"])
    with pytest.raises(ValueError, match=r"needs 2 devices. Received 1"):
        dist.DeviceMesh((2,), ["batch"])


def test_tensor_layout_axes_must_belong_to_the_mesh():
    mesh = dist.DeviceMesh((1,), ["batch"])
    assert dist.TensorLayout(["batch", None], mesh).axes == ("batch", None)
    with pytest.raises(ValueError, match=r"\['model'\] are not axes"):
        dist.TensorLayout(["model"], mesh)


def test_data_parallel_layouts_split_only_the_batch_axis():
    strategy = dist.DataParallel()
    assert strategy.batch_dim_name == "batch" and strategy.num_processes == 1
    assert strategy.get_data_layout((32, 5)).axes == ("batch", None)
    variable = keras.Variable(np.zeros((3, 4), "float32"))
    assert strategy.get_variable_layout(variable).axes == (None, None)
    assert strategy.get_tensor_layout("dense/kernel") is None


def test_data_parallel_refuses_a_mesh_that_is_not_every_rank():
    with pytest.raises(ValueError, match="one-dimensional"):
        dist.DataParallel(device_mesh=dist.DeviceMesh((1, 1), ["batch", "model"]))
    with pytest.raises(ValueError, match=r"expected the devices \['cpu:0'\]"):
        dist.DataParallel(devices=["cpu:0", "cpu:1"])


def test_set_distribution_and_scope():
    assert dist.distribution() is None
    strategy = dist.DataParallel()
    with strategy.scope():
        assert dist.distribution() is strategy
    assert dist.distribution() is None
    dist.set_distribution(strategy)
    assert dist.distribution() is strategy
    with pytest.raises(ValueError, match="takes a keras.distribution.DataParallel"):
        dist.set_distribution("data_parallel")


def test_model_parallel_says_what_is_supported():
    with pytest.raises(NotImplementedError, match="DataParallel"):
        dist.ModelParallel(layout_map=None)


def test_initialize_checks_the_launch():
    dist.initialize()
    dist.initialize(num_processes=1, process_id=0)
    with pytest.raises(ValueError, match="mpiexec -n 4"):
        dist.initialize(num_processes=4)
    with pytest.raises(ValueError, match="process_id=3"):
        dist.initialize(process_id=3)


def test_distribute_tensor_keeps_whole_tensors():
    x = np.arange(6.0).reshape(3, 2)
    assert dist.distribute_tensor(x, dist.DataParallel().get_data_layout(x.shape)) is x


def test_launcher_detection_and_timeout_setting(monkeypatch):
    for name in world_module._LAUNCHER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert not world_module.launched_by_mpi()
    monkeypatch.setenv("PMI_RANK", "0")
    assert world_module.launched_by_mpi()
    monkeypatch.setenv("MINIKERAS_MPI_TIMEOUT", "2.5")
    assert world_module.collective_timeout() == 2.5
    monkeypatch.setenv("MINIKERAS_MPI_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="MINIKERAS_MPI_TIMEOUT must be a number.*'soon'"):
        world_module.collective_timeout()
    monkeypatch.setenv("MINIKERAS_MPI_TIMEOUT", "0")
    with pytest.raises(ValueError, match="must be positive"):
        world_module.collective_timeout()


def test_missing_mpi4py_under_a_launcher_names_the_extra(monkeypatch):
    monkeypatch.setenv("PMI_RANK", "0")
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.setattr(world_module, "_WORLD", [])
    with pytest.raises(ImportError, match=r'minikeras\[mpi\]'):
        world_module.world()


def test_keras_distribution_resolves_on_first_use():
    import subprocess
    code = "import minikeras as keras; print(keras.distribution.list_devices())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "."}, check=True)
    assert out.stdout.strip() == "['cpu:0']"


def test_import_minikeras_does_not_import_mpi4py():
    import subprocess
    code = ("import sys, minikeras, minikeras.distribution, minikeras.horovod; "
            "minikeras.distribution.list_devices(); print('mpi4py' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "."}, check=True)
    assert out.stdout.strip() == "False"


def test_horovod_in_one_process():
    hvd.shutdown()
    with pytest.raises(ValueError, match="hvd.init"):
        hvd.rank()
    hvd.init()
    assert (hvd.rank(), hvd.size(), hvd.local_rank(), hvd.local_size()) == (0, 1, 0, 1)
    np.testing.assert_array_equal(hvd.allreduce(np.array([1.0, 3.0], "float32")), [1.0, 3.0])
    np.testing.assert_array_equal(hvd.allreduce([2, 4], op=hvd.Sum, prescale_factor=0.5),
                                  [1.0, 2.0])
    np.testing.assert_array_equal(hvd.broadcast(np.array([5.0]), 0), [5.0])
    with pytest.raises(ValueError, match="hvd.Average or hvd.Sum"):
        hvd.allreduce([1.0], op="max")
    with pytest.raises(ValueError, match="not both"):
        hvd.allreduce([1.0], average=True, op=hvd.Sum)


def test_distributed_optimizer_is_a_copy_with_the_same_settings():
    hvd.init()
    base = keras.optimizers.Adam(learning_rate=0.003, beta_1=0.8)
    wrapped = hvd.DistributedOptimizer(base)
    assert type(wrapped) is keras.optimizers.Adam and wrapped is not base
    assert wrapped.get_config()["beta_1"] == 0.8
    assert float(wrapped.learning_rate) == pytest.approx(0.003)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        hvd.DistributedOptimizer(base, backward_passes_per_step=2)


def _small_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    return model


def test_a_distribution_set_after_the_model_is_refused_with_the_fix():
    model = _small_model()
    dist.set_distribution(dist.DataParallel())
    x = np.ones((4, 3), "float32")
    with pytest.raises(ValueError, match="set after this model was created.*before building"):
        model.fit(x, x[:, :2], verbose=0)


def test_one_process_data_parallel_trains_like_no_distribution():
    x = np.random.default_rng(0).normal(size=(20, 3)).astype("float32")
    results = []
    for strategy in (None, dist.DataParallel()):
        dist.set_distribution(strategy)
        keras.utils.set_random_seed(3)
        model = _small_model()
        model.fit(x, x[:, :2], batch_size=6, epochs=2, verbose=0)
        results.append((model.get_weights(), model.evaluate(x, x[:, :2], verbose=0),
                        model.predict(x, verbose=0)))
    (w0, e0, p0), (w1, e1, p1) = results
    for a, b in zip(w0, w1):
        np.testing.assert_array_equal(a, b)
    assert e0 == e1
    np.testing.assert_array_equal(p0, p1)


def test_shard_bounds_split_evenly_on_aligned_boundaries():
    # 100 elements over 2 ranks: ceil(100 / 32) * 16 = 64 per rank, the last one shorter
    assert shard_bounds(100, 2) == [(0, 64), (64, 100)]
    assert shard_bounds(64, 4) == [(0, 16), (16, 32), (32, 48), (48, 64)]
    assert shard_bounds(20, 4) == [(0, 16), (16, 20), (20, 20), (20, 20)]  # some get nothing
    assert shard_bounds(0, 2) == [(0, 0), (0, 0)]


def test_an_optimizer_that_is_not_elementwise_refuses_a_shard():
    class Shard:  # the update_shard protocol; refused before any of it is used
        def bounds(self, layout):
            raise AssertionError("not reached")

    variable = keras.Variable(np.ones(3, "float32"))
    optimizer = keras.optimizers.Lamb(0.1)
    optimizer.update_shard = Shard()
    with pytest.raises(ValueError, match="Lamb is not elementwise.*cannot update a shard"):
        optimizer.apply([np.ones(3, "float32")], [variable])


def test_a_one_process_fit_drops_the_shard_an_earlier_distributed_fit_left():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.1), "mse")
    model.optimizer.update_shard = object()  # what a fit on several ranks leaves behind
    model.fit(np.ones((4, 2), "float32"), np.zeros((4, 1), "float32"), verbose=0)
    assert model.optimizer.update_shard is None and int(model.optimizer.iterations) == 1


def test_only_a_checkpoint_of_the_whole_model_every_n_batches_needs_the_state_each_batch(
        tmp_path):
    checkpoint = keras.callbacks.ModelCheckpoint
    path = str(tmp_path / "m.keras")
    assert saves_mid_epoch([keras.callbacks.History(), checkpoint(path, save_freq=3)])
    assert not saves_mid_epoch([checkpoint(path)])  # at epoch ends: gathered then anyway
    assert not saves_mid_epoch([checkpoint(str(tmp_path / "m.weights.h5"), save_freq=3,
                                           save_weights_only=True)])
    assert not saves_mid_epoch([keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))])


def test_shared_memory_is_used_on_one_node_with_room_unless_switched_off(monkeypatch):
    class Group:
        on_one_node, room = True, 100

        def shared_memory_fits(self, nbytes):
            return nbytes <= self.room

    assert shares_memory(Group(), 100)
    assert not shares_memory(Group(), 101)
    monkeypatch.setenv("MINIKERAS_MPI_SHARED_MEMORY", "0")
    assert not shares_memory(Group(), 10)
    monkeypatch.setenv("MINIKERAS_MPI_SHARED_MEMORY", "1")
    Group.on_one_node = False
    assert not shares_memory(Group(), 10)
    monkeypatch.setenv("MINIKERAS_MPI_SHARED_MEMORY", "yes")
    with pytest.raises(ValueError, match=r"must be 1 .* or 0 .*Received: 'yes'"):
        shares_memory(Group(), 10)


def test_shared_memory_room_is_the_free_space_of_its_directory(monkeypatch, tmp_path):
    monkeypatch.setattr(world_module, "SHARED_MEMORY_DIR", str(tmp_path))
    stat = os.statvfs(tmp_path)  # other processes may write meanwhile: within the disk size
    assert 0 < world_module.shared_memory_room() <= stat.f_blocks * stat.f_frsize
    monkeypatch.setattr(world_module, "SHARED_MEMORY_DIR", str(tmp_path / "absent"))
    assert world_module.shared_memory_room() is None


def test_an_update_shard_may_move_the_optimizer_buffers_in_bounds():
    class MovingShard:  # the update_shard protocol on one rank, moving like NodeExchange.of
        def bounds(self, layout):
            before = [w.copy() for w in layout.weight_views]
            self.weights, self.gradients = layout.new_buffer(), layout.new_buffer()
            layout.move_to(self.weights, self.gradients)
            for view, value in zip(layout.weight_views, before):  # values kept
                np.testing.assert_array_equal(view, value)
            return 0, layout.size

        def reduce_scatter(self, flat):
            assert flat is self.gradients  # the backward pass wrote into the moved buffer

        def allgather(self, flat):
            assert flat is self.weights

        def sum(self, values):
            return np.asarray(values)

    def trained(shard):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile(keras.optimizers.Adam(0.1), "mse")
        x, y = np.arange(12, dtype="float32").reshape(4, 3), np.ones((4, 2), "float32")
        model.fit(x, y, batch_size=2, epochs=1, verbose=0, shuffle=False)
        model.optimizer.update_shard = shard  # the next fit would drop it: train by hand
        for _ in range(3):
            model.train_on_batch(x, y)
        if shard is not None:
            assert all(np.shares_memory(v.data, shard.weights) for v in model.trainable_weights)
        return model.get_weights()

    for a, b in zip(trained(MovingShard()), trained(None)):
        np.testing.assert_array_equal(a, b)

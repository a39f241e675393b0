package jrnn.gpu;

import jrnn.data.Batch;
import jrnn.device.DeviceTraining;
import jrnn.layers.RecurrentState;
import jrnn.models.InferencePass;
import jrnn.models.LossStats;
import jrnn.optim.Optimizer;
import jrnn.training.ShardablePass;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * A device's training that passes every call on to another: the tests' wrappers override only
 * the calls they change (an update that fails, dropout generators never restarted).
 */
class ForwardingDevice implements DeviceTraining {
  final DeviceTraining device;

  ForwardingDevice(DeviceTraining device) {
    this.device = device;
  }

  @Override
  public LossStats compute(Batch batch, RecurrentState initial, Rng rng) {
    return device.compute(batch, initial, rng);
  }

  @Override
  public LossStats compute(ShardablePass<?> pass, Rng rng) {
    return device.compute(pass, rng);
  }

  @Override
  public RecurrentState finalState() {
    return device.finalState();
  }

  @Override
  public String summedOn() {
    return device.summedOn();
  }

  @Override
  public double[] update(TrainingConfig config, Optimizer optimizer, double lr) {
    return device.update(config, optimizer, lr);
  }

  @Override
  public void toHost(Optimizer optimizer) {
    device.toHost(optimizer);
  }

  @Override
  public void fromHost(Optimizer optimizer) {
    device.fromHost(optimizer);
  }

  @Override
  public void restartDropout(long seed) {
    device.restartDropout(seed);
  }

  @Override
  public InferencePass inference() {
    return device.inference();
  }

  @Override
  public void close() {
    device.close();
  }
}

/**
 * Certificate rotation as devices see it over MQTT: the registry's successor certificates (issued and confirmed by
 * {@code pki.RotationService}) sent on {@code fk/<id>/certificates/rotation}, the device's acknowledgement or
 * refusal on {@code fk/<id>/certificates/rotation/accepted|rejected}. The device listener's equivalent is in
 * {@code deviceapi}.
 */
package io.fleetkeeper.rotation;

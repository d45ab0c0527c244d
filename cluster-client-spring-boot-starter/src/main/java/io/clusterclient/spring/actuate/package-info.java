/** Spring Boot Actuator support of cluster-client: the health of the shared clients. */
package io.clusterclient.spring.actuate;
